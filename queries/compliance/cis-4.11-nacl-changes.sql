-- title: Network ACL changes (CIS 4.11)
-- severity: medium
-- description: Network ACLs and their entries created, replaced or deleted.
-- references: CIS AWS Foundations 4.11, 5.11 (v6), 3.11 (v1.2); Security Hub CloudWatch.11
-- attack: T1562.007
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventname IN ('CreateNetworkAcl', 'CreateNetworkAclEntry', 'DeleteNetworkAcl', 'DeleteNetworkAclEntry', 'ReplaceNetworkAclEntry', 'ReplaceNetworkAclAssociation')
ORDER BY eventtime, eventid
