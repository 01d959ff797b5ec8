WHERE project = 'test' AND timestamp > TIMESTAMP('2025-01-01')
