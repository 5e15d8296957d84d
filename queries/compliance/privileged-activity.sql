-- title: Privileged and root activity
-- severity: medium
-- description: Changes (write calls) made by the root user or by a principal whose ARN matches the
--   admin pattern (roles and users named like admin, OrganizationAccountAccessRole, SSO
--   AdministratorAccess permission sets). Read-only calls are left out.
-- references: SOC 2 CC6.1; ISO 27001 A.8.2; PCI DSS 10.2.1.2; MITRE ATT&CK T1078
-- attack: T1078
-- param: admin_pattern string (?i)(admin|OrganizationAccountAccessRole) | regular expression on the principal's ARN
SELECT eventid, eventtime, eventname, eventsource, useridentity.type AS identity_type, user_display_name(useridentity) AS principal,
       coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn) AS arn, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND (readonly IS NULL OR NOT readonly)
  AND (eventtype IS NULL OR eventtype <> 'AwsServiceEvent')
  AND (useridentity.type = 'Root'
    OR regexp_like(coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, ''), $admin_pattern))
ORDER BY eventtime, eventid
