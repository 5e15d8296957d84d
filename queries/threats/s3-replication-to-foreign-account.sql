-- title: S3 replication to another account, or set up by a new hand
-- severity: high
-- description: PutBucketReplication calls that succeeded and either name a destination account
--   (Destination.Account, required when the replica's ownership is handed over) other than the
--   bucket's own, or were made by a principal (an IAM user, or a role whatever its session
--   names) that set no replication in the look-back before the period (--lookback, 30 days by
--   default): every object written to the bucket from then on is copied to the destination,
--   quietly and by AWS itself. Destinations in another account without an Account field can only
--   be told by their bucket name, hence the second rule; accounts the look-back holds nothing of
--   only get the first.
-- references: MITRE ATT&CK T1537
-- attack: T1537
WITH replications AS (
  SELECT eventid, eventtime, account, region, requestparameters, sourceipaddress,
         user_display_name(useridentity) AS principal,
         coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, useridentity.principalid) AS principal_key,
         json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
         regexp_match(regexp_replace(requestparameters, concat('"(?i:account)"\s*:\s*"', coalesce(recipientaccountid, account), '"'), '', 'g'),
                      '"(?i:account)"\s*:\s*"(\d{12})"')[1] AS foreign_account
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource = 's3.amazonaws.com' AND eventname = 'PutBucketReplication'
    AND errorcode IS NULL
),
before AS (
  SELECT DISTINCT principal_key FROM replications WHERE eventtime < $from
),
history AS (
  SELECT DISTINCT account FROM cloudtrail WHERE eventtime >= $baseline_from AND eventtime < $from
)
SELECT r.eventid, r.eventtime, r.principal, r.bucket,
       regexp_match(r.requestparameters, '"(?i:bucket)"\s*:\s*"(arn:[^"]+)"')[1] AS destination_bucket,
       r.foreign_account AS destination_account,
       CASE WHEN r.foreign_account IS NOT NULL THEN 'destination in another account' ELSE 'first replication set by this principal' END AS why,
       r.sourceipaddress, r.account, r.region
FROM replications r
LEFT JOIN before b ON r.principal_key = b.principal_key
WHERE eventtime >= $from AND eventtime < $until
  AND (r.foreign_account IS NOT NULL
    OR (b.principal_key IS NULL AND r.account IN (SELECT account FROM history)))
ORDER BY r.eventtime, r.eventid
