SELECT
  NULL AS "body",
  ".1_prod.b658a216_0aef_427e_bae8_9dfc68aad6dd"."event_message" AS "event_message",
  ".1_prod.b658a216_0aef_427e_bae8_9dfc68aad6dd"."timestamp" AS "timestamp"
FROM
  "log_events_15" AS ".1_prod.b658a216_0aef_427e_bae8_9dfc68aad6dd"
-- params: 
