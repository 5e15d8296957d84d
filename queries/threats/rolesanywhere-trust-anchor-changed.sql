-- title: IAM Roles Anywhere trust anchor or profile created or changed
-- severity: high
-- description: A trust anchor (a certificate authority whose certificates may assume roles from
--   outside AWS) or a profile (which roles those certificates get) created, updated or enabled:
--   whoever holds a key the anchor trusts gets temporary credentials without any access key, and
--   keeps them after every access key is rotated. Refused calls are reported with their error code.
-- references: MITRE ATT&CK T1098; AWS IAM Roles Anywhere
-- attack: T1098
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.name') AS name,
       coalesce(json_extract(requestparameters, '$.roleArns'),
                json_extract_scalar(requestparameters, '$.source.sourceType')) AS grants,
       errorcode, sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'rolesanywhere.amazonaws.com'
  AND eventname IN ('CreateTrustAnchor', 'UpdateTrustAnchor', 'EnableTrustAnchor',
                    'CreateProfile', 'UpdateProfile', 'EnableProfile')
ORDER BY eventtime, eventid
