-- title: S3 bucket policy changes (CIS 4.8)
-- severity: medium
-- description: Bucket ACLs, policies, CORS, lifecycle and replication set or deleted.
-- references: CIS AWS Foundations 4.8, 5.8 (v6), 3.8 (v1.2); Security Hub CloudWatch.8; MITRE ATT&CK T1530
-- attack: T1530
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 's3.amazonaws.com' AND eventname IN ('PutBucketAcl', 'PutBucketPolicy', 'PutBucketCors', 'PutBucketLifecycle', 'PutBucketReplication', 'DeleteBucketPolicy', 'DeleteBucketCors', 'DeleteBucketLifecycle', 'DeleteBucketReplication')
ORDER BY eventtime, eventid
