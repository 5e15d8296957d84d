-- title: Noisiest event sources and names (what drives log cost)
-- severity: info
-- description: Events and JSON bytes per event source and name in the period, largest first, with
--   their share of the total and a few example eventids. `trailhound cost` prices them.
-- references: FinOps: logging cost
-- param: top int 20 | rows shown
SELECT eventsource, eventname, count(*) AS events, sum(_event_bytes) AS json_bytes,
       round(100.0 * sum(_event_bytes) / sum(sum(_event_bytes)) OVER (), 2) AS byte_share_pct,
       array_slice(array_sort(array_agg(eventid)), 1, 3) AS example_eventids
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
GROUP BY eventsource, eventname
ORDER BY json_bytes DESC, eventsource, eventname
LIMIT $top
