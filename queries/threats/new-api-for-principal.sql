-- title: A principal calling an API it never called before
-- severity: low
-- description: Successful write calls by a principal that was active in the look-back before the
--   period (--lookback, 30 days by default) but never made that call then. Principals new to the
--   period are left out (everything they do is new).
-- references: MITRE ATT&CK T1078
-- attack: T1078
WITH principal_events AS (
  SELECT eventid, eventtime, eventsource, eventname, coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS principal
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) IS NOT NULL
),
before AS (
  SELECT DISTINCT principal, eventsource, eventname FROM principal_events WHERE eventtime < $from
),
known AS (
  SELECT DISTINCT principal FROM before
)
SELECT p.principal, p.eventsource, p.eventname, min(p.eventtime) AS first_call, count(*) AS calls,
       array_sort(array_agg(p.eventid)) AS eventids
FROM principal_events p
JOIN known k ON p.principal = k.principal
LEFT JOIN before b ON p.principal = b.principal AND p.eventsource = b.eventsource AND p.eventname = b.eventname
WHERE p.eventtime >= $from AND b.principal IS NULL
  AND p.eventid IN (SELECT eventid FROM cloudtrail WHERE eventtime >= $from AND eventtime < $until AND errorcode IS NULL AND (readonly IS NULL OR NOT readonly))
GROUP BY p.principal, p.eventsource, p.eventname
ORDER BY p.principal, p.eventsource, p.eventname
