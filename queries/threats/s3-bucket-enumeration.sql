-- title: S3 buckets listed and then inspected one after another
-- severity: medium
-- description: One principal reading the configuration or contents of at least `threshold`
--   different buckets within one hour (sliding): their ACL, policy, location, public access
--   block, encryption, versioning, logging, tags or objects (GetBucket*, HeadBucket,
--   ListObjects*), after listing the buckets with ListBuckets during that hour or the hour
--   before. Refused calls count: they are enumeration too. Calls made by AWS services on the
--   principal's behalf (AWS Config, Access Analyzer, Macie, ...) are left out. One row per
--   principal: the busiest hour, its end, the bucket reads in it and the ListBuckets calls
--   before them. Object listings are data events, logged only by trails that record them; the
--   bucket calls are management events.
-- references: MITRE ATT&CK T1619, T1580
-- attack: T1619; T1580
-- param: threshold int 10 | different buckets read within an hour that make a burst
WITH bucket_reads AS (
  SELECT eventid, eventtime, account, coalesce(useridentity.arn, useridentity.principalid) AS principal,
         json_extract_scalar(requestparameters, '$.bucketName') AS bucket
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 's3.amazonaws.com'
    AND eventname IN ('GetBucketAcl', 'GetBucketPolicy', 'GetBucketPolicyStatus', 'GetBucketLocation', 'GetBucketPublicAccessBlock',
                      'GetBucketEncryption', 'GetBucketVersioning', 'GetBucketLogging', 'GetBucketTagging', 'GetBucketCors',
                      'GetBucketWebsite', 'GetBucketReplication', 'GetBucketLifecycle', 'GetBucketOwnershipControls',
                      'GetBucketObjectLockConfiguration', 'GetBucketNotification', 'GetBucketRequestPayment', 'HeadBucket',
                      'ListObjects', 'ListObjectsV2', 'ListObjectVersions')
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
    AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
    AND json_extract_scalar(requestparameters, '$.bucketName') IS NOT NULL
),
listings AS (
  SELECT eventid, eventtime, coalesce(useridentity.arn, useridentity.principalid) AS principal
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 's3.amazonaws.com' AND eventname = 'ListBuckets'
    AND useridentity.invokedby IS NULL
    AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
),
-- The different buckets each principal read in the hour ending at each of its reads,
-- (t - 1 hour, t]: a sliding window's distinct count (microsecond timestamps, so the frame starts
-- one microsecond after t - 1 hour).
hourly AS (
  SELECT principal, eventtime AS at,
         count(DISTINCT bucket) OVER (PARTITION BY principal ORDER BY eventtime
           RANGE BETWEEN INTERVAL '59 minutes 59.999999 seconds' PRECEDING AND CURRENT ROW) AS buckets
  FROM bucket_reads
  WHERE principal IS NOT NULL
),
listed AS (
  SELECT DISTINCT r.principal, r.at, r.buckets
  FROM hourly r
  JOIN listings l ON l.principal = r.principal
    AND l.eventtime > r.at - INTERVAL '2 hours' AND l.eventtime <= r.at
  WHERE r.buckets >= $threshold
),
peaks AS (
  SELECT principal, at AS window_end, buckets,
         row_number() OVER (PARTITION BY principal ORDER BY buckets DESC, at) AS rn
  FROM listed
),
named AS (
  SELECT p.principal, b.eventid, b.eventtime, b.account, 1 AS is_read
  FROM peaks p JOIN bucket_reads b ON b.principal = p.principal
    AND b.eventtime > p.window_end - INTERVAL '1 hour' AND b.eventtime <= p.window_end
  WHERE p.rn = 1
  UNION ALL
  SELECT p.principal, l.eventid, l.eventtime, NULL AS account, 0 AS is_read
  FROM peaks p JOIN listings l ON l.principal = p.principal
    AND l.eventtime > p.window_end - INTERVAL '2 hours' AND l.eventtime <= p.window_end
  WHERE p.rn = 1
)
SELECT p.principal, min(n.account) AS account, p.window_end, p.buckets AS distinct_buckets,
       sum(n.is_read) AS bucket_reads, count(*) - sum(n.is_read) AS list_buckets_calls,
       array_agg(n.eventid ORDER BY n.eventtime, n.eventid) AS eventids
FROM peaks p JOIN named n ON n.principal = p.principal
WHERE p.rn = 1
GROUP BY p.principal, p.window_end, p.buckets
ORDER BY p.principal
