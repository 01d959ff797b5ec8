select count(CASE WHEN (req.method IN ('GET', 'POST')) THEN 1 END) as count, from `my.source` t cross join unnest(metadata) as m cross join unnest(m.request) as req
