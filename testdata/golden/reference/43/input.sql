SELECT user_id, email FROM users WHERE REGEXP_CONTAINS(email, '@example\\.com$')
