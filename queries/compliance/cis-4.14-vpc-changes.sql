-- title: VPC changes (CIS 4.14)
-- severity: medium
-- description: VPCs created, deleted or modified, peering connections and ClassicLink changes.
-- references: CIS AWS Foundations 4.14, 5.14 (v6), 3.14 (v1.2); Security Hub CloudWatch.14
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventname IN ('CreateVpc', 'DeleteVpc', 'ModifyVpcAttribute', 'AcceptVpcPeeringConnection', 'CreateVpcPeeringConnection', 'DeleteVpcPeeringConnection', 'RejectVpcPeeringConnection', 'AttachClassicLinkVpc', 'DetachClassicLinkVpc', 'DisableVpcClassicLink', 'EnableVpcClassicLink')
ORDER BY eventtime, eventid
