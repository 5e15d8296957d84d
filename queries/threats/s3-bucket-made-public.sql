-- title: S3 bucket made public
-- severity: critical
-- description: A bucket policy allowing the `*` principal, an ACL granting AllUsers or
--   AuthenticatedUsers, or the bucket's public access block removed or with a setting turned off.
--   Calls that failed are left out.
-- references: CIS AWS Foundations 2.1.4; MITRE ATT&CK T1530
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
       CASE
         WHEN eventname = 'PutBucketPolicy' THEN 'policy allows principal *'
         WHEN eventname = 'PutBucketAcl' THEN 'ACL grants AllUsers/AuthenticatedUsers'
         ELSE 'public access block removed or off'
       END AS why,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 's3.amazonaws.com'
  AND errorcode IS NULL
  AND ((eventname = 'PutBucketPolicy'
        AND regexp_like(requestparameters, '"Effect"\s*:\s*"Allow"')
        AND regexp_like(requestparameters, '"Principal"\s*:\s*("\*"|\{\s*"AWS"\s*:\s*(\[\s*)?"\*")'))
    OR (eventname = 'PutBucketAcl'
        AND regexp_like(requestparameters, 'acs\.amazonaws\.com/groups/global/(AllUsers|AuthenticatedUsers)|x-amz-grant-[a-z-]+"\s*:\s*"[^"]*(AllUsers|AuthenticatedUsers)|"x-amz-acl"\s*:\s*\[?\s*"public-read'))
    OR eventname = 'DeleteBucketPublicAccessBlock'
    OR (eventname = 'PutBucketPublicAccessBlock'
        AND regexp_like(requestparameters, '"(BlockPublicAcls|IgnorePublicAcls|BlockPublicPolicy|RestrictPublicBuckets)"\s*:\s*false')))
ORDER BY eventtime, eventid
