-- title: SAML or OIDC identity provider created or changed
-- severity: high
-- description: IAM SAML providers created, updated (new metadata: new signing certificates) or
--   deleted; OpenID Connect providers created or deleted, given another client id (audience) or
--   new thumbprints. A provider the attacker controls lets them assume any role that trusts it,
--   without keys or passwords. Failed calls are left out.
-- references: MITRE ATT&CK T1484.002
-- attack: T1484.002
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.sAMLProviderArn'), json_extract_scalar(responseelements, '$.sAMLProviderArn'),
                json_extract_scalar(requestparameters, '$.openIDConnectProviderArn'), json_extract_scalar(responseelements, '$.openIDConnectProviderArn'),
                json_extract_scalar(requestparameters, '$.name'), json_extract_scalar(requestparameters, '$.url')) AS provider,
       coalesce(json_extract_scalar(requestparameters, '$.clientID'), json_extract(requestparameters, '$.clientIDList'), json_extract(requestparameters, '$.thumbprintList')) AS detail,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com'
  AND eventname IN ('CreateSAMLProvider', 'UpdateSAMLProvider', 'DeleteSAMLProvider', 'CreateOpenIDConnectProvider',
                    'AddClientIDToOpenIDConnectProvider', 'UpdateOpenIDConnectProviderThumbprint', 'DeleteOpenIDConnectProvider')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
