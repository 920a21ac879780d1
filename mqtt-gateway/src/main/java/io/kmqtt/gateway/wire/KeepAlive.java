package io.kmqtt.gateway.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * A connection's keep-alive timer: a connection that sends no packet for 1.5 times the keep alive
 * in force is ended (MQTT-3.1.2-24) with a {@link ConnectionFault} 0x8D, which the gateway answers
 * with DISCONNECT "Keep Alive timeout" to an MQTT 5 client; the connection is closed either way.
 * Set at CONNECT from the client's Keep Alive, then again if the gateway gives the client a Server
 * Keep Alive. Replaces the timer Vert.x adds at CONNECT, which rounds 1.5 times up to whole seconds
 * and closes without a reason.
 */
public final class KeepAlive {

    /** The names Vert.x gives its timer and its handler at CONNECT, which this replaces. */
    private static final String TIMER = "idle", TIMEOUT = "keepAliveHandler";

    private final ChannelPipeline pipeline;

    KeepAlive(ChannelPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** From now on the connection must send a packet at least every 1.5 times this; 0: no limit. Call on its event loop. */
    public void enforce(int seconds) {
        if (pipeline.get(TIMER) != null) {
            pipeline.remove(TIMER);
        }
        if (pipeline.get(TIMEOUT) != null) {
            pipeline.remove(TIMEOUT);
        }
        if (seconds > 0) {
            pipeline.addBefore("handler", TIMER, new IdleStateHandler(seconds * 1500L, 0, 0, TimeUnit.MILLISECONDS));
            pipeline.addBefore("handler", TIMEOUT, new Timeout(seconds));
        }
    }

    private static final class Timeout extends ChannelInboundHandlerAdapter {

        private final int seconds;

        Timeout(int seconds) {
            this.seconds = seconds;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
                ctx.fireExceptionCaught(new ConnectionFault((byte) 0x8D,
                        "no packet for 1.5 times its keep alive of " + seconds + " s (MQTT-3.1.2-24)"));
                if (ctx.channel().isActive()) {
                    ctx.close(); // its CONNECT was still being authenticated: nobody answered the fault
                }
                return;
            }
            ctx.fireUserEventTriggered(event);
        }
    }
}
