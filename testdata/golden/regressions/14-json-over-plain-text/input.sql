-- #14: gotrue writes plain-text lines beside JSON lines: JSON_VALUE of text that is not JSON is NULL.
select json_value(event_message, '$.level') as level, json_extract_scalar(event_message, '$.msg') as msg, count(*) as n
from `gotrue.logs.prod`
group by level, msg
