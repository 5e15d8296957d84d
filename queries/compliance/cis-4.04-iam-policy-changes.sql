-- title: IAM policy changes (CIS 4.4)
-- severity: medium
-- description: Inline and managed IAM policies created, changed, attached, detached or deleted.
-- references: CIS AWS Foundations 4.4, 5.4 (v6), 3.4 (v1.2); Security Hub CloudWatch.4; MITRE ATT&CK T1098
-- attack: T1098
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'iam.amazonaws.com' AND eventname IN ('DeleteGroupPolicy', 'DeleteRolePolicy', 'DeleteUserPolicy', 'PutGroupPolicy', 'PutRolePolicy', 'PutUserPolicy', 'CreatePolicy', 'DeletePolicy', 'CreatePolicyVersion', 'DeletePolicyVersion', 'AttachRolePolicy', 'DetachRolePolicy', 'AttachUserPolicy', 'DetachUserPolicy', 'AttachGroupPolicy', 'DetachGroupPolicy')
ORDER BY eventtime, eventid
