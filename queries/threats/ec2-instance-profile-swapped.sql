-- title: Instance profile attached to or swapped on a running instance
-- severity: high
-- description: AssociateIamInstanceProfile and ReplaceIamInstanceProfileAssociation: a role
--   put on an existing instance, so that whoever can run code on it (SSM, SSH, user data) gets
--   the role's rights without ever being allowed to assume it. Calls that failed are left out.
-- references: MITRE ATT&CK T1548.005, T1098.003
-- attack: T1548.005; T1098.003
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.AssociateIamInstanceProfileRequest.InstanceId'),
                json_extract_scalar(requestparameters, '$.ReplaceIamInstanceProfileAssociationRequest.AssociationId')) AS instance_or_association,
       coalesce(json_extract_scalar(requestparameters, '$.AssociateIamInstanceProfileRequest.IamInstanceProfile.Arn'),
                json_extract_scalar(requestparameters, '$.AssociateIamInstanceProfileRequest.IamInstanceProfile.Name'),
                json_extract_scalar(requestparameters, '$.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Arn'),
                json_extract_scalar(requestparameters, '$.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Name')) AS instance_profile,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com'
  AND eventname IN ('AssociateIamInstanceProfile', 'ReplaceIamInstanceProfileAssociation')
  AND errorcode IS NULL
ORDER BY eventtime, eventid
