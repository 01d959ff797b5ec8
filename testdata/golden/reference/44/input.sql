SELECT id, email FROM logs WHERE status = 'active' AND REGEXP_CONTAINS(email, '@example\\.com$')
