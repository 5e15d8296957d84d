-- title: SSH public key or signing certificate uploaded for an IAM user
-- severity: medium
-- description: UploadSSHPublicKey (SSH access to CodeCommit as the user) and
--   UploadSigningCertificate (an X.509 credential of the user): credentials that outlive a reset
--   password or deleted access keys. `target_user` is the user named, or the caller. Calls that
--   failed are left out.
-- references: MITRE ATT&CK T1098.001, T1098.004
-- attack: T1098.001; T1098.004
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.userName'), useridentity.username) AS target_user,
       coalesce(json_extract_scalar(responseelements, '$.sSHPublicKey.sSHPublicKeyId'), json_extract_scalar(responseelements, '$.certificate.certificateId')) AS credential_id,
       sourceipaddress, account
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname IN ('UploadSSHPublicKey', 'UploadSigningCertificate')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
