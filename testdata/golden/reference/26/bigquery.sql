SELECT
  NULL AS `body`,
  `_1_prod_b658a216_0aef_427e_bae8_9dfc68aad6dd`.`event_message` AS `event_message`,
  `_1_prod_b658a216_0aef_427e_bae8_9dfc68aad6dd`.`timestamp` AS `timestamp`
FROM
  `log_events_15` AS `_1_prod_b658a216_0aef_427e_bae8_9dfc68aad6dd`
-- params: 
