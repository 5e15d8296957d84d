-- title: Mass deletion of cloud resources
-- severity: high
-- description: One principal making at least `threshold` successful Delete* or Terminate*
--   management calls, any services mixed, within one hour (sliding): instances, volumes,
--   databases, buckets, functions, keys, log groups torn down in a hurry, the end of an
--   intrusion or an extortion. Calls made by AWS services on the principal's behalf
--   (CloudFormation stack deletions, Auto Scaling) and data events (S3 objects, see
--   s3-mass-object-deletion) are left out. One row per principal: the busiest hour, its end,
--   the APIs and the calls in it. destructive-actions lists every such call for investigation.
-- references: MITRE ATT&CK T1485, T1489
-- attack: T1485; T1489
-- param: threshold int 20 | successful Delete/Terminate calls within an hour that make a mass deletion
WITH deletions AS (
  SELECT eventid, eventtime, eventsource, eventname, account, coalesce(useridentity.arn, useridentity.principalid) AS principal
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND regexp_like(eventname, '^(Delete|Terminate)')
    AND coalesce(eventcategory, 'Management') = 'Management'
    AND errorcode IS NULL
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
    AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
    AND (eventtype IS NULL OR eventtype <> 'AwsServiceEvent')
),
windows AS (
  SELECT principal, eventtime AS window_end,
         count(*) OVER (PARTITION BY principal ORDER BY eventtime RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW) AS deletions
  FROM deletions
  WHERE principal IS NOT NULL
),
peaks AS (
  SELECT *, row_number() OVER (PARTITION BY principal ORDER BY deletions DESC, window_end) AS rn
  FROM windows
  WHERE deletions >= $threshold
)
SELECT p.principal, min(d.account) AS account, p.window_end, p.deletions,
       array_sort(array_agg(DISTINCT d.eventname)) AS apis,
       array_agg(d.eventid ORDER BY d.eventtime, d.eventid) AS eventids
FROM peaks p
JOIN deletions d ON d.principal = p.principal
  AND d.eventtime >= p.window_end - INTERVAL '1 hour' AND d.eventtime <= p.window_end
WHERE p.rn = 1
GROUP BY p.principal, p.window_end, p.deletions
ORDER BY p.principal
