-- title: Network gateway changes (CIS 4.12)
-- severity: medium
-- description: Customer and internet gateways created, attached, detached or deleted.
-- references: CIS AWS Foundations 4.12, 5.12 (v6), 3.12 (v1.2); Security Hub CloudWatch.12
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventname IN ('CreateCustomerGateway', 'DeleteCustomerGateway', 'AttachInternetGateway', 'CreateInternetGateway', 'DeleteInternetGateway', 'DetachInternetGateway')
ORDER BY eventtime, eventid
