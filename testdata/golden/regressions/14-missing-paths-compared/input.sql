-- #14: a path no self-hosted event has, compared (BigQuery refuses a literal NULL operand).
select id, metadata[0].parsed[0].command_tag as tag
from `postgres.logs`
where metadata.parsed.user_name = 'postgres' or metadata[0].parsed[0].command_tag in ('CREATE TABLE') or metadata.nope > 3
