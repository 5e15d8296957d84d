-- title: Cognito identity pool open to unauthenticated users
-- severity: high
-- description: CreateIdentityPool or UpdateIdentityPool with allowUnauthenticatedIdentities true,
--   and SetIdentityPoolRoles giving a role to unauthenticated (guest) identities: anyone who knows
--   the pool id can then get AWS credentials of that role, with no account at all. Calls that
--   failed are left out.
-- references: MITRE ATT&CK T1098.001, T1078.004
-- attack: T1098.001; T1078.004
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.identityPoolId'), json_extract_scalar(responseelements, '$.identityPoolId')) AS identity_pool,
       json_extract_scalar(requestparameters, '$.identityPoolName') AS pool_name,
       json_extract_scalar(requestparameters, '$.roles.unauthenticated') AS guest_role,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'cognito-identity.amazonaws.com'
  AND errorcode IS NULL
  AND ((eventname IN ('CreateIdentityPool', 'UpdateIdentityPool')
        AND json_extract_scalar(requestparameters, '$.allowUnauthenticatedIdentities') = 'true')
    OR (eventname = 'SetIdentityPoolRoles'
        AND json_extract_scalar(requestparameters, '$.roles.unauthenticated') IS NOT NULL))
ORDER BY eventtime, eventid
