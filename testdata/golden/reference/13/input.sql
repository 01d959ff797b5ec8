with test as (select id, metadata from mytable) select id, metadata.request from test
