import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Subjects } from '@voxmail/contracts';

@Controller()
export class MediaHandler {
  @MessagePattern(Subjects.Health.Media)
  ping() {
    return { pong: true };
  }
}
