-- title: Access to the audit logs
-- severity: info
-- description: Reads of the audit trail itself: CloudTrail event-history lookups (LookupEvents),
--   CloudTrail Lake queries and their results, Athena queries naming a CloudTrail table, and reads
--   and listings of objects in the log bucket (S3 data events; bucket names matching `log_bucket`).
--   Failed attempts are included, with their error code.
-- references: PCI DSS v4.0 10.2.1.3; SOC 2 CC7.2; MITRE ATT&CK T1654
-- attack: T1654
-- param: log_bucket string (?i)cloudtrail | regular expression on the log bucket's name
SELECT eventid, eventtime, eventsource, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.bucketName'), json_extract_scalar(requestparameters, '$.eventDataStore'),
                json_extract_scalar(requestparameters, '$.queryId'), json_extract_scalar(requestparameters, '$.workGroup')) AS target,
       sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND ((eventsource = 'cloudtrail.amazonaws.com'
        AND eventname IN ('LookupEvents', 'StartQuery', 'GetQueryResults'))
    OR (eventsource = 'athena.amazonaws.com' AND eventname = 'StartQueryExecution'
        AND strpos(lower(coalesce(json_extract_scalar(requestparameters, '$.queryString'), '')), 'cloudtrail') > 0)
    OR (eventsource = 's3.amazonaws.com'
        AND eventname IN ('GetObject', 'ListObjects', 'ListObjectsV2', 'ListObjectVersions', 'SelectObjectContent')
        AND regexp_like(coalesce(json_extract_scalar(requestparameters, '$.bucketName'), ''), $log_bucket)))
ORDER BY eventtime, eventid
