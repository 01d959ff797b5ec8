select t.col as col from `my.source` t where t.col in ('val') and t.col not in ('other')
