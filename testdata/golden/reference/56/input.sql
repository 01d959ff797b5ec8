SELECT SAFE_CAST(status AS INT64) as status_code FROM logs WHERE SAFE_CAST(code AS INT64) > 400
