-- #14: ROUND(x, n) over FLOAT64 (Postgres has no round(double precision, integer)), DIV, LOG.
select round(avg(metadata.duration) / 1000, 2) as ms, trunc(max(metadata.duration) / 7, 1) as t, div(count(*), 2) as half, log(count(*) + 1) as l
from `gotrue.logs.prod`
