-- title: Burst of unauthorized API calls by one principal
-- severity: medium
-- description: At least `threshold` calls refused with AccessDenied or UnauthorizedOperation by
--   one principal within one hour (sliding): typical of enumeration with stolen credentials.
--   Log deliveries refused by a bucket (delivery.logs.amazonaws.com) are left out, as CIS 4.1
--   leaves them out; a service acting for the account is named by its invokedBy.
-- references: CIS AWS Foundations 4.1; MITRE ATT&CK T1580, T1526
-- attack: T1580; T1526
-- param: threshold int 10 | refused calls within an hour that make a burst
WITH denied AS (
  SELECT eventid, eventtime,
         coalesce(useridentity.arn, useridentity.principalid, useridentity.invokedby, 'unknown') AS principal
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    -- As CIS 4.1: log deliveries refused by a bucket policy are a configuration matter, not a
    -- principal probing (a flow log to a bucket that refuses it is refused every few minutes).
    AND coalesce(sourceipaddress, '') <> 'delivery.logs.amazonaws.com'
    AND (errorcode LIKE 'AccessDenied%' OR errorcode LIKE '%UnauthorizedOperation' OR errorcode = 'Client.UnauthorizedOperation')
),
windows AS (
  SELECT principal, eventtime AS window_end,
         count(*) OVER (PARTITION BY principal ORDER BY eventtime RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW) AS refused,
         array_agg(eventid) OVER (PARTITION BY principal ORDER BY eventtime RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW) AS eventids
  FROM denied
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY principal ORDER BY refused DESC, window_end) AS rn
  FROM windows WHERE refused >= $threshold
)
SELECT principal, window_end, refused, array_sort(eventids) AS eventids FROM ranked WHERE rn = 1 ORDER BY principal
