-- title: Route table changes (CIS 4.13)
-- severity: medium
-- description: Routes and route tables created, replaced, deleted or disassociated.
-- references: CIS AWS Foundations 4.13, 5.13 (v6), 3.13 (v1.2); Security Hub CloudWatch.13
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventname IN ('CreateRoute', 'CreateRouteTable', 'ReplaceRoute', 'ReplaceRouteTableAssociation', 'DeleteRouteTable', 'DeleteRoute', 'DisassociateRouteTable')
ORDER BY eventtime, eventid
