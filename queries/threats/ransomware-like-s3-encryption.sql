-- title: S3 objects rewritten with a key the account does not hold
-- severity: high
-- description: Objects written or copied over (PutObject, CopyObject, CreateMultipartUpload)
--   successfully with server-side encryption under a customer-provided key (SSE-C: only the
--   writer holds the key) or under a KMS key of another account: the pattern of S3 ransomware,
--   which rewrites objects in place so that the owner can no longer read them. SSE-C writes by a
--   principal (an IAM user, or a role whatever its session names) that made SSE-C writes to the
--   same bucket in the look-back before the period are its habit and left out. One row per
--   principal, bucket and kind. S3 data events, logged only by trails that record them.
-- references: MITRE ATT&CK T1486
-- attack: T1486
WITH writes AS (
  SELECT eventid, eventtime, eventname, account,
         coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, useridentity.principalid) AS principal,
         json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
         (json_extract_scalar(requestparameters, '$["x-amz-server-side-encryption-customer-algorithm"]') IS NOT NULL
          OR json_extract_scalar(additionaleventdata, '$.SSEApplied') = 'SSE_C') AS sse_c,
         arn_account(coalesce(json_extract_scalar(requestparameters, '$["x-amz-server-side-encryption-aws-kms-key-id"]'),
                              json_extract_scalar(responseelements, '$["x-amz-server-side-encryption-aws-kms-key-id"]'))) AS key_account
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource = 's3.amazonaws.com' AND eventname IN ('PutObject', 'CopyObject', 'CreateMultipartUpload')
    AND errorcode IS NULL
),
flagged AS (
  SELECT eventid, eventtime, eventname, account, principal, bucket,
         CASE WHEN sse_c THEN 'SSE-C' ELSE concat('SSE-KMS key of account ', key_account) END AS kind
  FROM writes
  WHERE sse_c OR key_account <> account
),
usual AS (
  SELECT DISTINCT principal, bucket FROM flagged WHERE eventtime < $from AND kind = 'SSE-C'
)
SELECT f.principal, f.bucket, f.kind, min(f.eventtime) AS first_write, max(f.eventtime) AS last_write,
       count(*) AS objects, array_sort(array_agg(DISTINCT f.eventname)) AS apis, min(f.account) AS account,
       array_agg(f.eventid ORDER BY f.eventtime, f.eventid) AS eventids
FROM flagged f
LEFT JOIN usual u ON f.kind = 'SSE-C' AND f.principal = u.principal AND f.bucket = u.bucket
WHERE eventtime >= $from AND eventtime < $until AND u.principal IS NULL
GROUP BY f.principal, f.bucket, f.kind
ORDER BY first_write, f.principal, f.bucket
