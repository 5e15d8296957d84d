-- title: S3 bucket versioning suspended or MFA delete turned off
-- severity: high
-- description: PutBucketVersioning with Status Suspended (overwritten and deleted objects are no
--   longer kept as earlier versions), or by the root user with MfaDelete Disabled (versions can be
--   deleted without a second factor; only the root user can change MFA delete, so the same
--   element sent by anyone else, as scripts enabling versioning often do, changes nothing): what
--   comes before destroying or encrypting a bucket's data so that it cannot be recovered. Failed
--   calls are left out.
-- references: MITRE ATT&CK T1490
-- attack: T1490
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
       json_extract_scalar(requestparameters, '$.VersioningConfiguration.Status') AS status,
       coalesce(json_extract_scalar(requestparameters, '$.VersioningConfiguration.MfaDelete'), json_extract_scalar(requestparameters, '$.VersioningConfiguration.MFADelete')) AS mfa_delete,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 's3.amazonaws.com' AND eventname = 'PutBucketVersioning'
  AND errorcode IS NULL
  AND (json_extract_scalar(requestparameters, '$.VersioningConfiguration.Status') = 'Suspended'
    OR (useridentity.type = 'Root' AND regexp_like(requestparameters, '"(?i:mfadelete)"\s*:\s*"Disabled"')))
ORDER BY eventtime, eventid
