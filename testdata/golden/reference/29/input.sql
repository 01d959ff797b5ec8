select t.timestamp as timestamp from edge_logs t where t.timestamp > '2023-08-05T09:00:00.000Z'
