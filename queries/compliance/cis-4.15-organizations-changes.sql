-- title: AWS Organizations changes (CIS 4.15)
-- severity: high
-- description: Changes to the organization: accounts, organizational units, policies, handshakes.
-- references: CIS AWS Foundations 4.15 (v1.5-v5), 5.15 (v6); MITRE ATT&CK T1098
-- attack: T1098
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'organizations.amazonaws.com' AND eventname IN ('AcceptHandshake', 'AttachPolicy', 'CreateAccount', 'CreateOrganizationalUnit', 'CreatePolicy', 'DeclineHandshake', 'DeleteOrganization', 'DeleteOrganizationalUnit', 'DeletePolicy', 'DetachPolicy', 'DisablePolicyType', 'EnablePolicyType', 'InviteAccountToOrganization', 'LeaveOrganization', 'MoveAccount', 'RemoveAccountFromOrganization', 'UpdatePolicy', 'UpdateOrganizationalUnit')
ORDER BY eventtime, eventid
