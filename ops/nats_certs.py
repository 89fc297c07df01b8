"""Certificates for NATS over TLS: a private CA, one server certificate for every node, one client certificate.

For the compose cluster and tests (`mentoring nats-certs DIR`); a production installation uses its own PKI.
Keys are ECDSA P-256, written 0600; the server certificate names every node (and localhost, 127.0.0.1) so
one pair serves client connections and the routes between nodes.
"""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ops.nats_users import write_private

DEFAULT_HOSTS = ("nats-1", "nats-2", "nats-3", "localhost", "127.0.0.1")


@dataclass(frozen=True)
class CertificateFiles:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Наставничество"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alternative_names(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _signed(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, issuer_key: ec.EllipticCurvePrivateKey,
            days: int, *, ca: bool = False, hosts: tuple[str, ...] = (),
            usages: tuple[x509.ObjectIdentifier, ...] = ()) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
            decipher_only=False), critical=True)
    if hosts:
        builder = builder.add_extension(_alternative_names(hosts), critical=False)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey | None = None) -> None:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        write_private(path.with_suffix(".key"), key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())


def write_certificates(directory: Path, hosts: tuple[str, ...] = DEFAULT_HOSTS, days: int = 825) -> CertificateFiles:
    """ca.pem, server.pem/.key (server and route auth, names `hosts`), client.pem/.key, into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _signed("Наставничество: NATS CA", ca_key, _name("Наставничество: NATS CA"), ca_key, days, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server = _signed("nats", server_key, ca.subject, ca_key, days, hosts=hosts,
                     usages=(ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH))
    client = _signed("mentoring", client_key, ca.subject, ca_key, days, usages=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    _write(directory / "ca.pem", ca)
    _write(directory / "server.pem", server, server_key)
    _write(directory / "client.pem", client, client_key)
    return CertificateFiles(ca=directory / "ca.pem", server_cert=directory / "server.pem",
                            server_key=directory / "server.key", client_cert=directory / "client.pem",
                            client_key=directory / "client.key")


def command(directory: Path, hosts: list[str] | None = None) -> int:
    """`mentoring nats-certs DIR`: refuses to overwrite a CA already there (every node and client trusts it)."""
    if (directory / "ca.pem").exists():
        print(f"в {directory} уже есть ca.pem: удалите папку, чтобы выпустить сертификаты заново", file=sys.stderr)
        return 2
    files = write_certificates(directory, tuple(hosts) if hosts else DEFAULT_HOSTS)
    print(f"Сертификаты NATS в {directory}: центр {files.ca.name}, узлы {files.server_cert.name}/"
          f"{files.server_key.name}, клиенты {files.client_cert.name}/{files.client_key.name}")
    return 0
