-- title: EBS encryption by default turned off or pointed at another account's key
-- severity: high
-- description: DisableEbsEncryptionByDefault (new volumes and snapshot copies of the region are
--   no longer encrypted), and ModifyEbsDefaultKmsKeyId naming a key ARN of another account: every
--   new volume is then encrypted with a key someone else controls, the set-up of a ransom
--   (revoke the key, the data is lost). Key ids and aliases of the account itself are left out, as
--   are failed calls.
-- references: MITRE ATT&CK T1562.001, T1486
-- attack: T1562.001; T1486
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.ModifyEbsDefaultKmsKeyIdRequest.KmsKeyId'), json_extract_scalar(requestparameters, '$.kmsKeyId')) AS kms_key,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com'
  AND eventname IN ('DisableEbsEncryptionByDefault', 'ModifyEbsDefaultKmsKeyId')
  AND errorcode IS NULL
  AND (eventname = 'DisableEbsEncryptionByDefault'
    OR arn_account(coalesce(json_extract_scalar(requestparameters, '$.ModifyEbsDefaultKmsKeyIdRequest.KmsKeyId'), json_extract_scalar(requestparameters, '$.kmsKeyId')))
         <> coalesce(recipientaccountid, account))
ORDER BY eventtime, eventid
