// NATS command handlers of notification templates.
import { Controller } from '@nestjs/common';
import { Commands, NotificationTemplateCommand } from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { TemplatesService } from './templates.service';

@Controller()
export class NotificationsHandler {
  constructor(private readonly templates: TemplatesService) {}

  @HandleCommand(Commands.NotificationTemplateGet)
  get(cmd: NotificationTemplateCommand) {
    return this.templates.get(cmd);
  }

  @HandleCommand(Commands.NotificationTemplateUpdate)
  update(cmd: NotificationTemplateCommand) {
    return this.templates.update(cmd);
  }

  @HandleCommand(Commands.NotificationTemplateDelete)
  delete(cmd: NotificationTemplateCommand) {
    return this.templates.delete(cmd);
  }
}
