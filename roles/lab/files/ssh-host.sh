# Run inside a lab host (as root): an SSH server that takes keys only, and LAB_SSH_USER with
# LAB_SSH_PUBKEY authorized and passwordless sudo, as on a real host prepared for Ansible.
# Prints what it changed, or "unchanged".
set -euo pipefail
changed=()
if ! command -v sshd >/dev/null || ! command -v sudo >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server sudo >/dev/null
  changed+=(packages)
fi
if ! id "$LAB_SSH_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$LAB_SSH_USER"
  changed+=(user)
fi
home=$(getent passwd "$LAB_SSH_USER" | cut -d: -f6)
if [ "$(cat "$home/.ssh/authorized_keys" 2>/dev/null)" != "$LAB_SSH_PUBKEY" ]; then
  install -d -m 0700 -o "$LAB_SSH_USER" -g "$LAB_SSH_USER" "$home/.ssh"
  printf '%s\n' "$LAB_SSH_PUBKEY" > "$home/.ssh/authorized_keys"
  chown "$LAB_SSH_USER:" "$home/.ssh/authorized_keys"
  chmod 0600 "$home/.ssh/authorized_keys"
  changed+=(key)
fi
rule="$LAB_SSH_USER ALL=(ALL) NOPASSWD:ALL"
if [ "$(cat /etc/sudoers.d/lab-ssh 2>/dev/null)" != "$rule" ]; then
  printf '%s\n' "$rule" > /etc/sudoers.d/lab-ssh
  chmod 0440 /etc/sudoers.d/lab-ssh
  changed+=(sudo)
fi
# OpenSSH before 8.7 (Debian 11) knows keyboard-interactive only by its older name.
kbd=KbdInteractiveAuthentication
case $(ssh -V 2>&1) in OpenSSH_[1-7].*|OpenSSH_8.[0-6]*) kbd=ChallengeResponseAuthentication ;; esac
config="PasswordAuthentication no"$'\n'"$kbd no"$'\n'"PermitRootLogin no"
if [ "$(cat /etc/ssh/sshd_config.d/lab.conf 2>/dev/null)" != "$config" ]; then
  printf '%s\n' "$config" > /etc/ssh/sshd_config.d/lab.conf
  systemctl restart ssh
  changed+=(sshd)
fi
if ! systemctl is-active --quiet ssh; then
  systemctl enable --now ssh
  changed+=(started)
fi
echo "${changed[*]:-unchanged}"
