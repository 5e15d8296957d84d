-- title: S3 bucket made public
-- severity: critical
-- description: A bucket policy with a statement that allows the `*` principal unless its conditions
--   pin the caller (source account, organisation, VPC or endpoint, a network of /8 or narrower:
--   S3's own test of "public"), an ACL granting AllUsers or AuthenticatedUsers, or the bucket's
--   public access block removed or with a setting turned off. Each policy statement is judged on
--   its own: an Allow for one account beside a Deny for `*` is not public. Failed calls are left out.
-- references: CIS AWS Foundations 2.1.4; MITRE ATT&CK T1530
-- attack: T1530
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
        AND policy_is_public(json_extract(requestparameters, '$.bucketPolicy')))
    OR (eventname = 'PutBucketAcl'
        AND regexp_like(requestparameters, 'acs\.amazonaws\.com/groups/global/(AllUsers|AuthenticatedUsers)|x-amz-grant-[a-z-]+"\s*:\s*"[^"]*(AllUsers|AuthenticatedUsers)|"x-amz-acl"\s*:\s*\[?\s*"public-read'))
    OR eventname = 'DeleteBucketPublicAccessBlock'
    OR (eventname = 'PutBucketPublicAccessBlock'
        AND regexp_like(requestparameters, '"(BlockPublicAcls|IgnorePublicAcls|BlockPublicPolicy|RestrictPublicBuckets)"\s*:\s*false')))
ORDER BY eventtime, eventid
