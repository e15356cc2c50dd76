"""One notification service for every part of the CRM: the in-app inbox always, and by each person's choice
e-mail, the team's WeCom or DingTalk group robot, or a WeCom application message (``services.notify``)."""
