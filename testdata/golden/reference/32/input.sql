select t.col as col from `my.source` t where t.col between 200 and 299
