SELECT
  NULL AS body,
  event_message,
  timestamp
FROM
  `log_events_15` AS `.1_prod.b658a216_0aef_427e_bae8_9dfc68aad6dd`
-- params: 
