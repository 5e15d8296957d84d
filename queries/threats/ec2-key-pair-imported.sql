-- title: SSH key pair imported into EC2
-- severity: low
-- description: ImportKeyPair: a public key of the caller's own making registered for launching
--   instances, so that whoever holds its private key can log in to them. Calls that failed are
--   left out.
-- references: MITRE ATT&CK T1098.004
-- attack: T1098.004
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.keyName') AS key_name,
       json_extract_scalar(responseelements, '$.keyFingerprint') AS fingerprint,
       sourceipaddress, useragent, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'ImportKeyPair'
  AND errorcode IS NULL
ORDER BY eventtime, eventid
