-- title: CloudTrail tampering
-- severity: critical
-- description: Logging stopped, trails deleted or updated, event or Insights selectors changed,
--   and lifecycle, policy or deletion calls on the log bucket (bucket name matching `log_bucket`).
-- references: CIS AWS Foundations 4.5; MITRE ATT&CK T1562.008
-- attack: T1562.008
-- param: log_bucket string (?i)cloudtrail | regular expression on the log bucket's name
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.name'), json_extract_scalar(requestparameters, '$.trailName'), json_extract_scalar(requestparameters, '$.bucketName')) AS target,
       sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND ((eventsource = 'cloudtrail.amazonaws.com'
        AND eventname IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors', 'DeleteEventDataStore'))
    OR (eventsource = 's3.amazonaws.com'
        AND eventname IN ('PutBucketLifecycle', 'PutBucketPolicy', 'DeleteBucketPolicy', 'DeleteBucket', 'PutBucketVersioning', 'DeleteBucketLifecycle')
        AND regexp_like(coalesce(json_extract_scalar(requestparameters, '$.bucketName'), ''), $log_bucket)))
ORDER BY eventtime, eventid
