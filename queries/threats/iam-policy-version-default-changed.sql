-- title: Managed policy's default version changed
-- severity: medium
-- description: CreatePolicyVersion with setAsDefault true, and SetDefaultPolicyVersion: what a
--   managed policy grants changes at once for everyone it is attached to, a known way for a
--   principal allowed to edit a policy attached to itself to make itself admin (or to roll back
--   to a broader old version). `allows_all` says whether the new document names Action `*`.
--   Calls that failed are left out.
-- references: MITRE ATT&CK T1098.003
-- attack: T1098.003
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.policyArn') AS policy_arn,
       coalesce(json_extract_scalar(requestparameters, '$.versionId'), json_extract_scalar(responseelements, '$.policyVersion.versionId')) AS version,
       regexp_like(coalesce(json_extract_scalar(requestparameters, '$.policyDocument'), ''), '"Action"\s*:\s*(\[\s*)?"\*"') AS allows_all,
       sourceipaddress, account
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com'
  AND errorcode IS NULL
  AND ((eventname = 'CreatePolicyVersion' AND json_extract_scalar(requestparameters, '$.setAsDefault') = 'true')
    OR eventname = 'SetDefaultPolicyVersion')
ORDER BY eventtime, eventid
