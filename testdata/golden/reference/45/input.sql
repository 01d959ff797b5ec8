SELECT id, timestamp, event_message, metadata FROM auth_logs WHERE timestamp > TIMESTAMP('2025-01-01')
