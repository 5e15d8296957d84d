-- title: IAM Identity Center permission sets and assignments changed
-- severity: medium
-- description: Permission sets created, managed or customer policies attached to them, inline
--   policies put on them, and account assignments created (a user or group given a permission
--   set in an account): how access is granted across an organization's accounts from its
--   Identity Center. Calls that failed are left out.
-- references: MITRE ATT&CK T1098.003
-- attack: T1098.003
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.permissionSetArn'), json_extract_scalar(responseelements, '$.permissionSet.permissionSetArn'),
                json_extract_scalar(requestparameters, '$.name')) AS permission_set,
       coalesce(json_extract_scalar(requestparameters, '$.managedPolicyArn'), json_extract_scalar(requestparameters, '$.customerManagedPolicyReference.name')) AS policy,
       json_extract_scalar(requestparameters, '$.targetId') AS target_account,
       json_extract_scalar(requestparameters, '$.principalType') AS assignee_type,
       json_extract_scalar(requestparameters, '$.principalId') AS assignee,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'sso.amazonaws.com'
  AND eventname IN ('CreatePermissionSet', 'AttachManagedPolicyToPermissionSet', 'AttachCustomerManagedPolicyReferenceToPermissionSet',
                    'PutInlinePolicyToPermissionSet', 'CreateAccountAssignment')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
