-- title: Security group changes (CIS 4.10)
-- severity: medium
-- description: Security groups created, deleted, or their ingress and egress rules changed.
-- references: CIS AWS Foundations 4.10, 5.10 (v6), 3.10 (v1.2); Security Hub CloudWatch.10; MITRE ATT&CK T1562.007
-- attack: T1562.007
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventname IN ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress', 'CreateSecurityGroup', 'DeleteSecurityGroup')
ORDER BY eventtime, eventid
