import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Subjects } from '@voxmail/contracts';

@Controller()
export class MessageHandler {
  @MessagePattern(Subjects.Health.Message)
  ping() {
    return { pong: true };
  }
}
