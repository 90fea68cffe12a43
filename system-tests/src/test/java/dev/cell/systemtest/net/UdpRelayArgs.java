package dev.cell.systemtest.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Command-line parsing for {@link UdpRelay}, {@link UdpEcho} and {@link UdpProbe}.
 */
final class UdpRelayArgs
{
    static final String USAGE =
        "usage: UdpRelay --listen ADDR:PORT --target ADDR:PORT [--loss P] [--delay-us N] [--seed S] [--capture FILE]";

    private UdpRelayArgs()
    {
    }

    /**
     * @param args the relay's arguments; without {@code --seed} a random seed is chosen.
     * @return its configuration.
     * @throws IOException if an address cannot be resolved.
     */
    static UdpRelay.Config parse(final String[] args) throws IOException
    {
        InetSocketAddress listen = null;
        InetSocketAddress target = null;
        double loss = 0.0;
        long delayMicros = 0;
        long seed = ThreadLocalRandom.current().nextLong();
        Path capture = null;
        if (args.length % 2 != 0)
        {
            throw new IllegalArgumentException(USAGE);
        }
        for (int i = 0; i < args.length; i += 2)
        {
            final String value = args[i + 1];
            switch (args[i])
            {
                case "--listen" -> listen = address(value);
                case "--target" -> target = address(value);
                case "--loss" -> loss = Double.parseDouble(value);
                case "--delay-us" -> delayMicros = Long.parseLong(value);
                case "--seed" -> seed = Long.parseLong(value);
                case "--capture" -> capture = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; " + USAGE);
            }
        }
        if (listen == null || target == null)
        {
            throw new IllegalArgumentException(USAGE);
        }
        return new UdpRelay.Config(listen, target, loss, delayMicros, seed, capture);
    }

    /**
     * Parse {@code host:port} (the last colon separates the port).
     *
     * @param text the address.
     * @return the socket address.
     * @throws IOException if the host cannot be resolved.
     */
    static InetSocketAddress address(final String text) throws IOException
    {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0)
        {
            throw new IllegalArgumentException("expected ADDR:PORT: " + text);
        }
        return new InetSocketAddress(InetAddress.getByName(text.substring(0, colon)),
            Integer.parseInt(text.substring(colon + 1)));
    }

    /**
     * @param address a socket address.
     * @return it as {@code host:port}.
     */
    static String text(final InetSocketAddress address)
    {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
