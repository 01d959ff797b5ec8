SELECT user_id FROM logs
