-- title: Mass deletion of S3 objects
-- severity: high
-- description: One principal deleting at least `threshold` objects one by one (DeleteObject), or
--   sending at least `batch_threshold` multi-object deletes (DeleteObjects, up to 1,000 keys
--   each, whose keys CloudTrail does not list), within one hour (sliding), successfully: data
--   destroyed, or ransomed after being copied out. S3 data events, logged only by trails that
--   record them; lifecycle expirations are not API calls and never appear. Calls made by AWS
--   services on the principal's behalf are left out. One row per principal: the busiest hour,
--   its end, the buckets and the calls in it.
-- references: MITRE ATT&CK T1485
-- attack: T1485
-- param: threshold int 100 | DeleteObject calls within an hour that make a mass deletion
-- param: batch_threshold int 20 | DeleteObjects calls within an hour that make a mass deletion
WITH deletes AS (
  SELECT eventid, eventtime, eventname, account, coalesce(useridentity.arn, useridentity.principalid) AS principal,
         json_extract_scalar(requestparameters, '$.bucketName') AS bucket
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 's3.amazonaws.com' AND eventname IN ('DeleteObject', 'DeleteObjects')
    AND errorcode IS NULL
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
    AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
),
windows AS (
  SELECT principal, eventtime AS window_end,
         sum(CASE WHEN eventname = 'DeleteObject' THEN 1 ELSE 0 END)
           OVER (PARTITION BY principal ORDER BY eventtime RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW) AS single_deletes,
         sum(CASE WHEN eventname = 'DeleteObjects' THEN 1 ELSE 0 END)
           OVER (PARTITION BY principal ORDER BY eventtime RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW) AS batch_deletes
  FROM deletes
  WHERE principal IS NOT NULL
),
peaks AS (
  SELECT *, row_number() OVER (PARTITION BY principal ORDER BY single_deletes + batch_deletes DESC, window_end) AS rn
  FROM windows
  WHERE single_deletes >= $threshold OR batch_deletes >= $batch_threshold
)
SELECT p.principal, min(d.account) AS account, p.window_end, p.single_deletes, p.batch_deletes,
       array_sort(array_agg(DISTINCT d.bucket)) AS buckets,
       array_agg(d.eventid ORDER BY d.eventtime, d.eventid) AS eventids
FROM peaks p
JOIN deletes d ON d.principal = p.principal
  AND d.eventtime >= p.window_end - INTERVAL '1 hour' AND d.eventtime <= p.window_end
WHERE p.rn = 1
GROUP BY p.principal, p.window_end, p.single_deletes, p.batch_deletes
ORDER BY p.principal
